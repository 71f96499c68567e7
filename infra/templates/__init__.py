"""CloudFormation templates of the service stack, synthesized with troposphere."""

from infra.templates.stack import build_template, render_template
from infra.templates.synth import TEMPLATE_FILE, synth, template_path

__all__ = ["TEMPLATE_FILE", "build_template", "render_template", "synth", "template_path"]
