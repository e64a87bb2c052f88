/** `gitops-agent preview`: the agent's plan of a commit, from a CI job, printed and posted on the merge request. */
export { previewMain } from "./main";
export { previewCommand, previewFlags, DEFAULT_NOTE_TOKEN_ENV, FORMATS, type Format, type PreviewOptions } from "./flags";
export { renderMarkdown, renderText, describeRef, describeChange, verdict } from "./render";
export { noteTarget, noteUrl, postNote, NOTE_VARIABLES, type NoteTarget } from "./mr-note";
