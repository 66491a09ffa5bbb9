// The message box, as in Slack: "/recio …" is a slash command (only the app's own commands; Slack
// answers any other itself), anything else is a message. Enter sends, Shift+Enter is a new line.

/**
 * @param {HTMLFormElement} form
 * @param {HTMLTextAreaElement} input
 * @param {{ commands: () => string[], command: (name: string, text: string) => Promise<void>,
 *   message: (text: string) => Promise<void>, refuse: (why: string) => void }} on
 */
export function wireComposer(form, input, on) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const command = text.match(/^(\/\S+)\s*([\s\S]*)$/);
    if (command && !on.commands().includes(command[1])) {
      on.refuse(
        `${command[1]} is not a valid command. In Slack, all messages that start with "/" are interpreted as commands.`,
      );
      return;
    }
    input.value = '';
    void (command ? on.command(command[1], command[2]) : on.message(text));
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
