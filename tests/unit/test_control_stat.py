"""nginx's rtmp_stat as the control room reads it (streams/stat.py), and the control room's
settings (control/config.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from control.config import ControlConfig, ControlConfigError
from streams.stat import DEFAULT_STAT_URL, StatUnavailable, StreamStat, parse_stat, stat_url

STAT = b"""<?xml version="1.0" encoding="utf-8" ?>
<?xml-stylesheet type="text/xsl" href="stat.xsl" ?>
<rtmp><nginx_version>1.22.1</nginx_version><server>
<application><name>live</name><live>
<stream><name>k3y-s3cret</name><time>5000</time><bw_in>2500000</bw_in><publishing/></stream>
</live></application>
<application><name>hls</name><live>
<stream><name>data-security</name><time>41500</time><bw_in>2480512</bw_in>
<bw_video>2350000</bw_video><bw_audio>130512</bw_audio>
<meta><video><width>1280</width><height>720</height><frame_rate>25</frame_rate>
<codec>H264</codec></video><audio><codec>AAC</codec></audio></meta>
<nclients>2</nclients><publishing/><active/></stream>
<stream><name>data-security-backup</name><time>800</time><bw_in>0</bw_in></stream>
<nclients>2</nclients></live></application>
</server></rtmp>
"""


def test_the_hls_applications_streams_are_read_by_name_and_the_keys_never():
    found = parse_stat(STAT)
    assert found == {
        "data-security": StreamStat(
            name="data-security", kbps=2480.512, video_kbps=2350.0, audio_kbps=130.512,
            fps=25.0, width=1280, height=720, codec="H264", seconds=41.5, publishing=True,
        ),
        "data-security-backup": StreamStat(
            name="data-security-backup", kbps=0.0, video_kbps=None, audio_kbps=None, fps=None,
            width=None, height=None, codec=None, seconds=0.8, publishing=False,
        ),
    }  # fmt: skip
    assert "k3y-s3cret" not in repr(found)


def test_a_document_with_a_dtd_or_not_xml_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rtmp>&a;</rtmp>'
    for document in (bomb, b"<rtmp><server>", b"nginx says no"):
        with pytest.raises(StatUnavailable):
            parse_stat(document)


def test_the_stat_url_is_given_or_derived_from_the_hls_base():
    assert stat_url({"EXPO_RTMP_STAT_URL": "http://10.0.0.5:8080/stat"}) == (
        "http://10.0.0.5:8080/stat"
    )
    assert stat_url({"EXPO_HLS_BASE_URL": "http://127.0.0.1:8081/hls"}) == (
        "http://127.0.0.1:8081/stat"
    )
    assert stat_url({"EXPO_HLS_BASE_URL": "/hls"}) == DEFAULT_STAT_URL
    assert stat_url({}) == DEFAULT_STAT_URL


def test_the_settings_have_defaults_and_refuse_what_cannot_work():
    config = ControlConfig.from_env({})
    assert config.limits.not_live_after == timedelta(minutes=2)
    assert config.limits.queue_wait == timedelta(minutes=10)
    assert (config.interval, config.process_stale, config.process_forget) == (1.0, 5.0, 600.0)
    tuned = ControlConfig.from_env(
        {"EXPO_CONTROL_QUEUE_WAIT": "90", "EXPO_CONTROL_BITRATE_RATIO": "0.3"}
    )
    assert tuned.limits.queue_wait == timedelta(seconds=90)
    assert tuned.limits.bitrate_ratio == 0.3
    with pytest.raises(ControlConfigError, match="EXPO_CONTROL_PROCESS_STALE"):
        ControlConfig.from_env({"EXPO_CONTROL_PROCESS_STALE": "1", "EXPO_CONTROL_INTERVAL": "1"})
    with pytest.raises(ControlConfigError, match="EXPO_CONTROL_QUEUE_WAIT"):
        ControlConfig.from_env({"EXPO_CONTROL_QUEUE_WAIT": "soon"})
