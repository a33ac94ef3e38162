/// The Assistant API as JSON-RPC methods, in the order protocol/assistd.openrpc.json lists them.
/// A new method is declared (one type) and added here.
public enum AssistantAPIMethods {
    public static var all: [any RequestMethod.Type] {
        [
            CreateAssistant.self, ListAssistants.self, RetrieveAssistant.self, UpdateAssistant.self, DeleteAssistant.self,
            CreateThread.self, ListThreads.self, RetrieveThread.self, UpdateThread.self, DeleteThread.self,
            CreateMessage.self, ListMessages.self, RetrieveMessage.self, UpdateMessage.self,
            CreateRun.self, CreateThreadAndRun.self, ListRuns.self, RetrieveRun.self, UpdateRun.self,
            SubmitToolOutputs.self, WaitRun.self, CancelRun.self, AttachRun.self,
            ListSteps.self, RetrieveStep.self,
            CreateAssistantFile.self, ListAssistantFiles.self, RetrieveAssistantFile.self, DeleteAssistantFile.self,
            ListMessageFiles.self, RetrieveMessageFile.self,
        ]
    }

    public static var names: [String] { all.map { $0.name } }
}
