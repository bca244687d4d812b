"""Image distributions: built-in digit sets, image files and downloads, conv models, and the
classifier-based metrics that stand in for densities images do not have."""
