"""Streamlit pieces shared by the pages. Everything that touches `st` and is used twice."""
