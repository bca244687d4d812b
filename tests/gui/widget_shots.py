"""Showing a widget offscreen in a test and grabbing what it paints."""

from __future__ import annotations


def shown(widget, qtbot, size=(900, 700)):
    """Show and paint the widget offscreen (a paint error or crash fails here), return its image."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    image = widget.grab().toImage()
    assert not image.isNull()
    return image
