"""Build hook for the optional C speed-ups (everything else is in pyproject.toml).

- ``tracker.diff._ctree``: the bill-text parser's walk over the parsed body (tracker/diff/_ctree.c);
- ``tracker._xmlcols``: columns of repeated records, the members of a roll-call vote
  (tracker/_xmlcols.c, used through ``tracker.xmlsafe.columns``).

Both read lxml's parsed tree directly and need a C compiler and lxml's headers
(``lxml.get_include()``; lxml is in the build requirements). They are optional: where they cannot be
built (no compiler, e.g. a slim container image), the install goes on and the pure-Python code paths
run, with the same results, only slower (``tracker.xmlsafe.native_module``).
"""

from setuptools import Extension, setup


def _ext_modules() -> list[Extension]:
    try:
        import lxml
    except ImportError:  # lxml not installed in the build environment: pure Python only
        return []
    return [Extension(name, [src], include_dirs=lxml.get_include(), depends=["tracker/_lxmlshim.h"], optional=True)
            for name, src in (("tracker.diff._ctree", "tracker/diff/_ctree.c"),
                              ("tracker._xmlcols", "tracker/_xmlcols.c"))]


setup(ext_modules=_ext_modules())
