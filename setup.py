"""Build hook for the optional C speed-up ``tracker.diff._ctree`` (everything else is in pyproject.toml).

The extension reads lxml's parsed tree directly (see tracker/diff/_ctree.c) and needs a C compiler
and lxml's headers (``lxml.get_include()``; lxml is in the build requirements). It is optional: where
it cannot be built (no compiler, e.g. a slim container image), the install goes on and
``tracker.diff.tree`` uses its pure-Python walk, which builds the same trees, only slower.
"""

from setuptools import Extension, setup


def _ext_modules() -> list[Extension]:
    try:
        import lxml
    except ImportError:  # lxml not installed in the build environment: pure Python only
        return []
    return [Extension("tracker.diff._ctree", ["tracker/diff/_ctree.c"], include_dirs=lxml.get_include(),
                      optional=True)]


setup(ext_modules=_ext_modules())
