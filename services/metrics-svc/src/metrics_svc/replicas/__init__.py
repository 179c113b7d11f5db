"""Local copies of other services' data, kept by the consumers from their events: channels
(channel-svc), posts and where each went (content-svc, channel-svc), campaigns
(content-svc), tracked links and their clicks (channel-svc)."""
