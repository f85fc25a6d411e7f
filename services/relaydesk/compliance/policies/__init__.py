"""Policy files shipped as package data: forbidden claims and fallback replies."""
