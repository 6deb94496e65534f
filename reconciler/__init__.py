"""reconciler: Metronome billing contracts as code.

The pipeline runs one way (see DESIGN.md §2)::

    manifests/*.yaml --load+validate--> Desired
    Metronome API    --read----------> Live
    (Desired, Live, now) --plan------> Plan --render--> text | markdown | json
                                       Plan --apply---> API calls + journal
"""

__version__ = "0.1.0"
