"""``python -m loaders.demo OUT_DIR --scale S --seed N``."""

from loaders.demo.generator import main

raise SystemExit(main())
