"""`councilkit serve`: a local web portal for the people who choose (catalogue, plans, costs,
controls, assurance packs, trials), served by Starlette on 127.0.0.1 behind an access token."""
