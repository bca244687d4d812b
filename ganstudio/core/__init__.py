"""The GAN engine: torch and numpy only. Nothing under here may import Qt or pyqtgraph."""
