"""GAN Studio: watch the mathematics of a generative adversarial network while it trains."""

__version__ = "0.1.0"
