"""The class hub: JupyterHub for a class on one server (hub.py), Unix accounts from a roster
(accounts.py), and how many students one server holds (capacity.py). Its settings are in
settings.py, read by all three and by deploy/hub/jupyterhub_config.py."""
