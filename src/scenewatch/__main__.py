"""``python -m scenewatch``."""

from scenewatch.cli import main

main()
