"""The Streamlit app: `launch/trendscope_app.py` is the entry script, `views/` the pages,
`state` the cached data access."""
