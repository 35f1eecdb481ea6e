"""The nginx configuration `expo rtmp-config` prints (streams/nginx_conf.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from streams.nginx_conf import ConfigError, RtmpConfig, hook_url, relay_address, render

BASE = RtmpConfig(platform_url="http://10.0.0.5:8000", hook_secret="s3cr3t", run_dir="/srv/rtmp")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_the_configuration_has_what_the_ingest_needs():
    text = render(BASE)
    got = lines(text)
    assert got[2] == "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;"
    for line in (
        "worker_processes 1;",
        "pid /srv/rtmp/nginx.pid;",
        "listen 1935;",
        "application live {",
        "application hls {",
        "hls_path /srv/rtmp/hls;",
        "hls_fragment 1s;",
        "hls_playlist_length 6s;",
        "hls_cleanup on;",
        "hls_continuous off;",
        "exec_publish_done /bin/rm -f /srv/rtmp/hls/$name.m3u8;",
        "notify_method post;",
        "on_publish http://10.0.0.5:8000/api/streams/hooks/publish?secret=s3cr3t"
        "&relay=127.0.0.1:1935;",
        "on_update http://10.0.0.5:8000/api/streams/hooks/update?secret=s3cr3t;",
        "on_publish_done http://10.0.0.5:8000/api/streams/hooks/publish-done?secret=s3cr3t;",
        "listen 8080;",
        "location /hls/ {",
        "alias /srv/rtmp/hls/;",
        "add_header Cache-Control no-cache always;",
        "add_header Access-Control-Allow-Origin * always;",
        "rtmp_stat all;",
        "client_body_temp_path /srv/rtmp/client_body;",
    ):
        assert line in got, line
    assert not any(line.startswith("daemon") for line in got)  # given with -g
    assert text.count("{") == text.count("}")


def test_options_reach_the_configuration():
    text = render(
        RtmpConfig(
            platform_url="http://app.internal:9000/expo/",
            hook_secret="x",
            run_dir="/tmp/r",
            hls_dir="/var/www/hls",
            rtmp_listen="0.0.0.0:19350",
            http_listen="127.0.0.1:18080",
            allow_origin="https://live.example.org",
            module=None,
        )
    )
    got = lines(text)
    assert not any(line.startswith("load_module") for line in got)
    assert "hls_path /var/www/hls;" in got
    assert "listen 0.0.0.0:19350;" in got and "listen 127.0.0.1:18080;" in got
    assert "add_header Access-Control-Allow-Origin https://live.example.org always;" in got
    assert (
        "on_publish http://app.internal:9000/expo/api/streams/hooks/publish?secret=x"
        "&relay=127.0.0.1:19350;" in got
    )


def test_the_relay_address_is_nginx_itself():
    assert relay_address("1935") == "127.0.0.1:1935"
    assert relay_address("0.0.0.0:1935") == "127.0.0.1:1935"
    assert relay_address("10.1.2.3:1936") == "10.1.2.3:1936"


@pytest.mark.parametrize(
    "change",
    [
        {"run_dir": "relative/dir"},
        {"run_dir": "/tmp/with space"},
        {"hls_dir": "/tmp/x;evil"},
        {"platform_url": "https://tls.example.org"},  # nginx-rtmp calls back over plain http
        {"platform_url": "127.0.0.1:8000"},
        {"allow_origin": "https://a.example.org' always; x"},
        {"hook_secret": "a$b"},
    ],
)
def test_what_nginx_would_misread_is_refused(change):
    values = {
        "platform_url": BASE.platform_url,
        "hook_secret": BASE.hook_secret,
        "run_dir": BASE.run_dir,
        **change,
    }
    with pytest.raises(ConfigError):
        render(RtmpConfig(**values))


def test_hook_urls_keep_the_platforms_path():
    assert (
        hook_url("http://h:1/", "publish", "s") == "http://h:1/api/streams/hooks/publish?secret=s"
    )


def test_the_rooms_streams_are_recorded_for_replays():
    got = lines(render(BASE))
    hls = got[got.index("application hls {") :]
    for line in (
        "record all;",
        "record_path /srv/rtmp/recordings;",
        "record_unique on;",
        "record_suffix .flv;",
        "on_record_done http://10.0.0.5:8000/api/streams/hooks/record-done?secret=s3cr3t;",
    ):
        assert line in hls, line
    live = got[got.index("application live {") : got.index("application hls {")]
    assert "record off;" in live  # the publishers' own application: keys, never kept

    elsewhere = lines(render(replace(BASE, record_dir="/data/rec")))
    assert "record_path /data/rec;" in elsewhere
    none = lines(render(replace(BASE, record=False)))
    assert not any(line.startswith(("record all", "on_record_done")) for line in none)
    with pytest.raises(ConfigError):
        render(replace(BASE, record_dir="relative/rec"))


def test_a_silent_publisher_is_dropped_within_two_seconds():
    # Viewers get the slate within 2 s of a publisher lost without a goodbye (issue 13).
    assert "drop_idle_publisher 2s;" in lines(render(BASE))


def test_nginx_can_front_the_platform_for_a_one_machine_trial():
    alone = lines(render(BASE))
    assert "location / {" not in alone and "proxy_pass http://10.0.0.5:8000;" not in alone
    fronting = lines(render(replace(BASE, serve_platform=True)))
    at = fronting.index("location / {")
    assert fronting[at + 1 : at + 8] == [
        "proxy_pass http://10.0.0.5:8000;",
        "proxy_http_version 1.1;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header Upgrade $http_upgrade;",  # the websocket
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_read_timeout 3600s;",
    ]
    assert "map $http_upgrade $connection_upgrade {" in fronting
    assert fronting.index("location /hls/ {") < at  # HLS stays nginx's own
