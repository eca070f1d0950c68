"""Workshop dashboard (start with ``solara run dashboard.py``).

Declarative only: the page is built from Mesa's SolaraViz components over the
model; no model logic lives here.
"""

from mesa.visualization import SolaraViz, make_plot_component

from model.community import CommunityModel
from model.parameters import Parameters

model_params = {
    "params": Parameters(n_residents=1000),
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
}

page = SolaraViz(
    CommunityModel(Parameters(n_residents=1000), seed=1),
    components=[
        make_plot_component(["community_strength"], backend="matplotlib"),
    ],
    model_params=model_params,
    name="Community vitality",
)
