import numpy as np
import pytest

from core.device import available_devices, resolve_device
from core.envs import ENV_IDS, make_vec_env, record_episode, space_sizes


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_vector_env_steps(env_id):
    env = make_vec_env(env_id, 3)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, space_sizes(env_id)[0])
    obs, reward, terminated, truncated, _ = env.step(np.zeros(3, dtype=np.int64))
    assert reward.shape == (3,)
    env.close()


def test_record_episode_returns_frames_and_the_return():
    frames, total = record_episode("CartPole-v1", lambda obs: 0, seed=0, every=1)
    assert total == len(frames) - 1  # +1 per step, one frame per step plus the last
    assert frames[0].ndim == 3 and frames[0].shape[2] == 3


def test_device_resolution():
    assert available_devices()[-1] == "cpu"
    assert resolve_device("auto") == available_devices()[0]
    assert resolve_device("no-such-device") == "cpu"
