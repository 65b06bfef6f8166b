"""Sites: built-in observatories, coordinates, TOML files and the messages for bad ones."""

import numpy as np
import pytest

from debris import SiteFormatError, UnknownSiteError, get_site, load_sites_toml, parse_site


def test_builtin_observatories():
    # ../shared/data/observatories.csv (published coordinates; MPC 191, 190, 193)
    dushanbe = get_site("Dushanbe")
    assert (dushanbe.latitude_deg, dushanbe.longitude_deg, dushanbe.altitude_m) == \
        (38.566944, 68.780833, 790.0)
    assert dushanbe.mpc_code == "191"
    assert get_site("gissar") is get_site("hissar")
    assert get_site("193").name == "sanglokh"


def test_wgs84_position_matches_skyfield():
    from skyfield.api import wgs84

    site = get_site("sanglokh")
    ref = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.altitude_m)
    assert np.max(np.abs(site.itrs_km - ref.itrs_xyz.km)) < 1e-9


def test_coordinates_on_the_command_line():
    site = parse_site("38.5, 68.8, 800")
    assert (site.latitude_deg, site.longitude_deg, site.altitude_m) == (38.5, 68.8, 800.0)
    assert parse_site("-33.9,18.4").altitude_m == 0.0
    with pytest.raises(SiteFormatError, match="expected numbers"):
        parse_site("north,east")
    with pytest.raises(SiteFormatError, match="latitude 95.0 deg is outside"):
        parse_site("95,10")


def test_unknown_site_lists_known_ones():
    with pytest.raises(UnknownSiteError) as info:
        get_site("paris")
    assert "unknown site 'paris'; known sites: dushanbe, hissar, sanglokh" in str(info.value)


def test_toml_sites(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[sites.roof]\nlatitude_deg = 38.5\nlongitude_deg = 68.8\naltitude_m = 810\n')
    sites = load_sites_toml(path)
    assert get_site("roof", sites).altitude_m == 810.0
    path.write_text('[sites.roof]\nlatitude_deg = 38.5\n')
    with pytest.raises(SiteFormatError, match=r"\[sites.roof\] lacks longitude_deg"):
        load_sites_toml(path)
    path.write_text('[sites.roof]\nlatitude_deg = "38.5"\nlongitude_deg = 1\n')
    with pytest.raises(SiteFormatError, match="latitude_deg must be a number"):
        load_sites_toml(path)
    path.write_text('[sites.roof]\nlatitude_deg = 1\nlongitude_deg = 1\nheight = 5\n')
    with pytest.raises(SiteFormatError, match="unknown keys height"):
        load_sites_toml(path)
