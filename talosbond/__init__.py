"""talosbond: discover Talos NICs and write bond patches whose selectors cannot go wrong."""

__version__ = "0.1.0"
