"""`python -m trendscope` runs the CLI."""
from trendscope.ui.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
