// Copy buttons (a generated password, a new API key): the clipboard, or what to do when the
// browser refuses it. Answers the sentence to show.
export async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    return 'Copied to the clipboard.';
  } catch {
    return `The browser did not allow copying: select the ${what} and copy it.`;
  }
}
