// Text put into HTML (an element's text or a quoted attribute): the one escaper of the reports and the board.
export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
