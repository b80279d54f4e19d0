import sys

from keras_timing.cli import main

sys.exit(main())
