"""`python -m evalspec`."""

from evalspec.cli import main

if __name__ == "__main__":
    main()
