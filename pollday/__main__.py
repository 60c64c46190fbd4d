from pollday.cli import main

raise SystemExit(main())
