"""The map of the north: municipalities shaded by a figure, each a link to its list."""
