"""Shubo Live: the platform core and the expo hall of the Big Data Expo's online edition."""

__version__ = "0.1.0"
