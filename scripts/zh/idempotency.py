"""Chinese for the idempotency keys of the API (minsheng/core/idempotency.py, core/models.py)."""

ZH = {
    "This request moves money: send an Idempotency-Key header with it.": "此请求涉及资金：请随请求发送 Idempotency-Key 请求头。",
    "The Idempotency-Key must be 8 to 100 visible ASCII characters.": "Idempotency-Key 须为 8 至 100 个可见 ASCII 字符。",
    "This Idempotency-Key was used for a different request.": "此 Idempotency-Key 已用于另一个请求。",
    "idempotency key": "幂等键",
    "idempotency keys": "幂等键",
    "endpoint": "接口",
    "request digest": "请求摘要",
    "response status": "响应状态",
    "response body": "响应内容",
}
