"""Actions: the flows that join files and the database, one function each, shared by the command
line and the workbench so that each flow exists once.

- ``qualcode.actions.imports.import_batch`` — read a batch of files, check it once, store each;
- ``qualcode.actions.exports.export_report`` — write a report in the format its file names.

Actions call services and io; they never import Textual, and neither front end repeats them.
"""
