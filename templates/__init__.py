"""Troposphere builders for the two stacks: `api.build_api_template`, `web.build_web_template`."""
