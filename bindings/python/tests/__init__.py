"""Tests of the libcrm Python binding, over a real built library.

Run from the repository root:

    CRM_LIBRARY=/work/main/build-py/lib/libcrm.so.1 \
        python3 -m unittest discover -s bindings/python/tests -t bindings/python -v

Without CRM_LIBRARY the binding looks in the build tree (build/lib, then any
build*/lib), then the system.
"""
