"""Profiling (profilafklaring): labels, synthetic data, training, the model registry, scoring and survival curves.

Pure functions on arrays and data frames; the database side lives in portal/services/profiling.py.
"""
