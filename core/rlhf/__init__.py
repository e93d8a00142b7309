"""RLHF on a tiny GPT-2: corpus and tokenizer, the pretrained model, a simulated labeler, a
reward model, and PPO for a language model. Real transformers parts, nothing downloaded."""
