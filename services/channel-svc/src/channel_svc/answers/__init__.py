"""Inbox answers sent for user-svc: WeChat customer-service messages, Weibo comment replies."""
