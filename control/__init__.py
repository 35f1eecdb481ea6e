"""The organisers' control room (issue 13): see docs/control.md."""
