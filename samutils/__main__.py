import sys

from .chapters import main

sys.exit(main())
