// An example VS Code extension: "assistd: Ask" streams the assistant's answer into an output
// channel; the progress notification's Cancel button cancels it. The extension host spawns
// assistd (setting `assistd.path`, else `assistd` on PATH). assistd is an ES module, so this
// CommonJS entry point loads it with import().
const vscode = require('vscode');

let sessionPromise;

function session() {
  sessionPromise ??= (async () => {
    const { createSession } = await import('./session.mjs');
    const { tool } = await import('assistd');
    const config = vscode.workspace.getConfiguration('assistd');
    // A tool the model may call: it runs here, in the extension host.
    const openEditors = tool(() => vscode.window.visibleTextEditors.map((e) => e.document.fileName),
      { name: 'open_editors', description: 'The files open in the editor' });
    return createSession({ bin: config.get('path') || 'assistd', args: config.get('args') || [], tools: [openEditors] });
  })();
  return sessionPromise;
}

function activate(context) {
  const output = vscode.window.createOutputChannel('assistd');
  context.subscriptions.push(output, { dispose: () => sessionPromise?.then((s) => s.dispose()) });

  context.subscriptions.push(vscode.commands.registerCommand('assistd.ask', async () => {
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    const question = await vscode.window.showInputBox({ prompt: 'Ask the assistant' });
    if (!question) return;
    output.show(true);
    output.append(`\n> ${question}\n`);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'assistd is answering…', cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        try {
          const s = await session();
          const run = await s.ask(selection ? `${question}\n\n${selection}` : question,
            { onText: (text) => output.append(text), signal: controller.signal });
          if (run.last_error) output.append(`\n[run ${run.status}: ${run.last_error.code}: ${run.last_error.message}]`);
          output.append('\n');
        } catch (error) {
          // AssistdError: code and data come from assistd's JSON-RPC error.
          output.append(controller.signal.aborted ? '\n[cancelled]\n' : `\n[error ${error.code ?? ''}: ${error.message}]\n`);
        }
      });
  }));

  context.subscriptions.push(vscode.commands.registerCommand('assistd.newConversation', async () => {
    await (await session()).reset();
  }));
}

function deactivate() {
  return sessionPromise?.then((s) => s.dispose());
}

module.exports = { activate, deactivate };
