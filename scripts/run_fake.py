"""Run a platform fake for a local demo: `python scripts/run_fake.py wechat|weibo --port N`.

WeChat: add an account with
`curl -XPOST localhost:N/_fake/accounts -d '{"appid":"wx0123456789abcdef","secret":"<32 chars>"}'
-H 'content-type: application/json'`, then create a `wechat_oa` channel whose
`config.base_url` is `http://127.0.0.1:N` (with MEDIAOPS_ALLOW_PRIVATE_URLS=true).
`GET /_fake/state` shows what it received; `POST /_fake/switches` injects latency, 5xx, -1.
Statistics (datacube): `PUT /_fake/articles/{article_id}/figures {"reads": N, "readers": N,
"shares": N, "favorites": N}` sets what it answers for a published article from then on;
`PUT /_fake/today {"today": "YYYY-MM-DD"}` moves its calendar (the datacube's yesterday).
Followers: `PUT /_fake/accounts/{appid}/callback` (the console's server configuration),
then `POST /_fake/followers/{openid}/messages {"text"}` (`/subscribe`, `/unsubscribe`,
`/click`) pushes to it as WeChat would and answers the passive reply
(tests/fakes/wechat_followers.py); `GET /_fake/sent` lists the customer-service messages
the account sent (only inside the window the follower's last action opened), newest first;
`POST /_fake/clock/advance {"seconds"}` lets windows close.
Weibo: `POST /_fake/users {"uid","access_token"}`; the safe domain is `--safe-domain`;
`PUT /_fake/statuses/{id}/counts {"reposts","comments","attitudes"}` and
`PUT /_fake/users/{uid}/followers {"followers_count"}` set what the counts APIs answer;
`POST /_fake/statuses/{id}/comments {"text"}` adds a reader's comment; `GET /_fake/sent`
lists the statuses and comment replies sent, newest first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes import wechat, weibo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("platform", choices=["wechat", "weibo"])
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--safe-domain", default="example.com")
    args = parser.parse_args()
    if args.platform == "wechat":
        app = wechat.create_app()
    else:
        app = weibo.create_app(weibo.WeiboFake(safe_domain=args.safe_domain))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
