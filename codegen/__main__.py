"""`python -m codegen`: inspect metadata, generate models."""

from codegen.cli import main

raise SystemExit(main())
