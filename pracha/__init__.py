"""Pracha (ประชา): an open digital-government platform for Thailand."""

__version__ = "0.1.0"
