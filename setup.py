"""Build hook: compile the release-name parser with Cython when a C compiler is there (optional).

Everything else is declared in pyproject.toml. The parser's modules are plain Python; compiled, the
same source parses about 1.4x faster (benchmarks/bench_names.py). Without Cython or a compiler the
build still succeeds and the pure-Python modules run (``scenewatch.names.implementation()`` tells which).
``SCENEWATCH_PURE_PYTHON=1`` at install time skips the compilation.
"""

import os

from setuptools import Extension, setup

# The parser's hot modules, in import order; scenewatch.names._native lists the same names.
COMPILED = ("_tokens", "_shape", "_fields", "_core", "_parse")


def parser_extensions() -> list[Extension]:
    """The parser's modules as optional C extensions (none when Cython is missing or compiling is turned off)."""
    if os.environ.get("SCENEWATCH_PURE_PYTHON") == "1":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    modules = [
        Extension(f"scenewatch.names.{name}", [f"src/scenewatch/names/{name}.py"], optional=True)
        for name in COMPILED
    ]
    try:
        # annotation_typing off: the annotations are for readers and mypy; compiled, they would turn
        # parse(None) into a TypeError. force: the generated C must follow this file's directives too.
        return cythonize(
            modules,
            compiler_directives={"language_level": "3", "annotation_typing": False},
            build_dir="build/cython",
            force=True,
            quiet=True,
            nthreads=os.cpu_count() or 1,
        )
    except Exception as error:  # a Cython that cannot translate the source must not fail the install
        print(f"scenewatch: not compiling the parser ({error}); the pure-Python parser will run")
        return []


setup(ext_modules=parser_extensions())
