"""The registry of observation formats: every format declares its detector, reader and writer
in its own module; reading, writing and the command line's choices come from the registry."""

import numpy as np
import pytest

from debris import read_observations
from debris.cli import main
from debris.observations import detect_format, formats, observation_formats
from debris.observations.records import ObservationFormat

OBS = "observations"


def test_the_registry_holds_every_format_once_with_its_module():
    registry = observation_formats()
    assert list(registry) == ["tdm", "tdm-xml", "rde", "uk", "csv", "iod"]
    for name, spec in registry.items():
        assert spec.name == name and spec.description and (callable(spec.read)
                                                           or name == "tdm-xml")
    assert {name for name, spec in registry.items() if spec.write} == {"tdm", "tdm-xml", "csv",
                                                                       "iod"}
    assert list(observation_formats(readable=True)) == ["tdm", "rde", "uk", "csv", "iod"]


@pytest.mark.parametrize("name,expected", [
    ("trusat/IOD_data_compliant.txt", "iod"), ("trusat/UK_data_compliant.txt", "uk"),
    ("trusat/RDE_data_compliant.txt", "rde"), ("real_iod/23908_20200316.txt", "iod"),
    ("satfit_deep_space/22988.txt", "iod")])
def test_real_files_are_recognised(data_dir, name, expected):
    assert detect_format((data_dir / OBS / name).read_text()).name == expected


@pytest.mark.parametrize("name", ["iod", "tdm", "csv"])
def test_every_writer_is_read_back_by_its_reader(data_dir, tmp_path, name):
    """A real file written in each format and read back: same stations, times to the
    format's precision, directions within what its digits carry."""
    source = read_observations(data_dir / OBS / "real_iod" / "23908_20200316.txt")
    spec = observation_formats()[name]
    path = tmp_path / f"out.{name}"
    path.write_text(spec.write(source))
    assert detect_format(path.read_text()).name == name
    back = read_observations(path)
    assert len(back) == len(source) and set(back["format"]) == {name}
    t0 = source["time"][:1]
    mine, theirs = source["time"].seconds_since(t0), back["time"].seconds_since(t0)
    a, b = np.argsort(mine, kind="stable"), np.argsort(theirs, kind="stable")
    assert list(back["station"][b]) == list(source["station"][a])
    assert np.abs(theirs[b] - mine[a]).max() < 1e-3
    tolerance = 1.0 if name == "iod" else 1e-3  # IOD format 2 keeps 0.6"-0.9", TDM 1e-7 deg
    cosine = np.cos(np.radians(source["dec_deg"][a]))
    assert np.all(np.abs(back["ra_deg"][b] - source["ra_deg"][a]) * cosine * 3600 < tolerance)
    assert np.all(np.abs(back["dec_deg"][b] - source["dec_deg"][a]) * 3600 < tolerance)


def test_a_new_format_is_one_declaration(tmp_path, monkeypatch, capsys):
    """A format declared to the registry (as a third party does under the
    ``debris.observation_formats`` entry points) is recognised, read and offered on the
    command line without touching any other module."""
    def detect(text):
        return 2.0 if text.startswith("DOTS") else 0.0

    def read(text, source, builder):
        count = 0
        for number, line in enumerate(text.splitlines()[1:], 2):
            time, station, ra, dec = line.split()
            builder.add(format="dots", file=source, line=number, time=time, station=station,
                        angle_type="radec", equinox="J2000", ra_deg=float(ra),
                        dec_deg=float(dec))
            count += 1
        return count

    registry = dict(observation_formats())
    registry["dots"] = ObservationFormat("dots", "a toy format", detect, read)
    monkeypatch.setattr(formats, "_REGISTRY", registry)
    path = tmp_path / "night.dots"
    path.write_text("DOTS\n2024-11-01T18:00:00 4171 120.5 30.25\n")
    table = read_observations(path)
    assert list(table["format"]) == ["dots"] and table["ra_deg"][0] == pytest.approx(120.5)
    assert len(read_observations(path, format="dots")) == 1
    with pytest.raises(SystemExit):
        main(["identify", "--help"])
    assert "a toy format" in capsys.readouterr().out


def test_the_command_line_offers_the_registry(capsys):
    with pytest.raises(SystemExit):
        main(["identify", "--help"])
    out = capsys.readouterr().out
    assert "--obs-format {auto,tdm,rde,uk,csv,iod}" in " ".join(out.split())


def test_a_forced_format_reads_a_file_the_detector_would_not_choose(data_dir, tmp_path):
    lines = (data_dir / OBS / "trusat" / "IOD_data_compliant.txt").read_text().splitlines()
    good = [line for line in lines if line[:5].isdigit()][:3]
    path = tmp_path / "mixed.txt"
    path.write_text("\n".join(["garbage " * 5] * 6 + good) + "\n")
    assert len(read_observations(path, format="iod")) == 3
