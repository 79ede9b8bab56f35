from __future__ import annotations

import sys

from matching.cli import main

sys.exit(main())
