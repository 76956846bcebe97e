import sys

from local_gateway.cli import main

sys.exit(main())
