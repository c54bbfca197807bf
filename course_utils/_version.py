"""The course's version, in one place: the package metadata, the Colab install line and the CHANGELOG use it."""
__version__ = "0.2.0"
