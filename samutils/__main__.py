import sys

from .build.cli import main

sys.exit(main())
