# Cython declarations for _core.py, read only when setup.py compiles it (Python ignores this file).
# C integers for the token indices and counters and C booleans for the flags of the per-name loop: about
# 10% on top of compiling the unchanged source. Every name listed only ever holds an int (or a bool),
# and tests/test_names_compiled.py checks that compiled and pure-Python parsers agree.
import cython

@cython.locals(
    n=cython.Py_ssize_t, i=cython.Py_ssize_t, j=cython.Py_ssize_t, k=cython.Py_ssize_t,
    tend=cython.Py_ssize_t, date_idx=cython.Py_ssize_t, ep_last=cython.Py_ssize_t, ep_first=cython.Py_ssize_t,
    soft_end=cython.Py_ssize_t, year_after_idx=cython.Py_ssize_t, te=cython.Py_ssize_t, tstart=cython.Py_ssize_t,
    tstart_year=cython.Py_ssize_t, cand=cython.Py_ssize_t, end=cython.Py_ssize_t, music_tokens=cython.Py_ssize_t,
    course_title=cython.Py_ssize_t, sample_tokens=cython.Py_ssize_t,
    has_open=cython.bint, sxe_seen=cython.bint, episode_word=cython.bint, source_weak=cython.bint,
    after_year=cython.bint, month_seen=cython.bint, sub_run=cython.bint, sport_first=cython.bint,
    has_video_src=cython.bint, intech=cython.bint, course=cython.bint, sp_episode=cython.bint,
    ep_marker=cython.bint, course_word=cython.bint, course_tag=cython.bint, nuke_mark=cython.bint, update_number=cython.bint,
)
cpdef tuple _core(str name, str section, bint _path=*, dict prior=*)
