"""Which night a command plans when none is given: the night under way, else the coming one,
the same for `passes` and `nightly`; `--night tonight` means the same."""

import datetime as dt

import numpy as np
import pytest

from debris import get_site
from debris.sun import coming_night, night_date, night_window

UTC = dt.timezone.utc


@pytest.mark.parametrize("now, night", [
    # 11:51 in Dushanbe (UTC+5), 2024-11-01: last night ended at dawn; plan this evening's
    (dt.datetime(2024, 11, 1, 6, 51, tzinfo=UTC), "2024-11-01"),
    # 23:00 in Dushanbe: the night under way
    (dt.datetime(2024, 11, 1, 18, 0, tzinfo=UTC), "2024-11-01"),
    # 03:00 in Dushanbe the next morning, still dark: the night under way began yesterday
    (dt.datetime(2024, 11, 1, 22, 0, tzinfo=UTC), "2024-11-01"),
    # 07:30 in Dushanbe, after dawn: the coming evening
    (dt.datetime(2024, 11, 2, 2, 30, tzinfo=UTC), "2024-11-02"),
])
def test_the_coming_night_is_the_one_under_way_else_the_next(now, night):
    site = get_site("sanglokh")
    assert coming_night(site, -12.0, now) == night
    start, end = night_window(site, night, -12.0)
    assert end.to_datetime64()[0] > np.datetime64(now.replace(tzinfo=None))  # not ended
    assert night_date(site, "tonight", -12.0, now) == night
    assert night_date(site, "2024-10-30") == "2024-10-30"


def test_nightly_and_passes_pick_the_same_night(monkeypatch):
    """nightly used to take the night that had ended when run before noon local time."""
    import debris.sun as sun

    fixed = dt.datetime(2024, 11, 1, 6, 51, tzinfo=UTC)
    monkeypatch.setattr(sun, "_utc_now", lambda: fixed)
    from debris.cli.common import window

    class Args:
        start = end = hours = night = None
        sun_altitude_deg = -12.0

    site = get_site("sanglokh")
    start, _ = window(Args, site)
    assert start.to_datetime64()[0] > np.datetime64(fixed.replace(tzinfo=None))
    assert coming_night(site, -12.0) == "2024-11-01"


def test_tonight_on_stale_elements_is_refused_unless_stale_ok(capsys):
    """The bundled catalogue (2024-11-01) is years from any real "tonight": the passes of such
    elements are not tonight's. --stale-ok plans anyway; a dated night near the epochs runs."""
    from debris.cli import main

    code = main(["passes", "--site", "dushanbe", "--visible-only"])
    err = capsys.readouterr().err
    assert code == 2 and "the elements are a median" in err and "--stale-ok" in err
    code = main(["passes", "--site", "dushanbe", "--norad", "25544", "--stale-ok"])
    assert code == 0 and "days from the window" in capsys.readouterr().out
    code = main(["passes", "--site", "dushanbe", "--night", "2024-11-01", "--norad", "25544"])
    out = capsys.readouterr().out
    header = out.split("\n# dushanbe")[0].replace("\n#   ", " ")  # wrapped to 100 columns
    assert code == 0 and "elements a median 1.2 days from the window" in header
