;;; assistd.el --- Chat with assistants served by assistd over JSON-RPC  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.14"))
;; Keywords: tools, convenience, comm

;; This file is not part of GNU Emacs.

;;; Commentary:

;; assistd serves DashScope's Assistant API (assistants, threads, messages,
;; runs) as JSON-RPC 2.0 over stdio.  This package talks to it with the
;; built-in `jsonrpc' library:
;;
;;   M-x assistd-chat           a chat buffer; the reply streams in
;;   M-x assistd-send-region    send the region (C-u: with an instruction)
;;   M-x assistd-cancel         stop the reply and cancel its run
;;   M-x assistd-switch-thread  another thread, or a new one
;;   M-x assistd-shutdown       stop the assistd process
;;
;; Tools are Emacs Lisp functions (`assistd-define-tool'); assistd asks for
;; them with `tools/call' and continues the run with their output.
;;
;; Every request is asynchronous: a streamed run is answered only when the
;; run ends, far beyond `jsonrpc-request's default 10 s timeout.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'seq)
(require 'subr-x)

(defgroup assistd nil
  "Chat with assistants served by the assistd process."
  :group 'tools
  :prefix "assistd-")

(defcustom assistd-program "assistd"
  "The assistd executable (a name on `exec-path' or an absolute file name)."
  :type 'string)

(defcustom assistd-backend nil
  "The backend assistd serves: nil lets assistd choose (`--backend')."
  :type '(choice (const :tag "assistd's default" nil)
                 (const "local")
                 (const "dashscope")))

(defcustom assistd-program-args nil
  "More command-line arguments for assistd, e.g. (\"--data-dir\" \"/tmp/a\")."
  :type '(repeat string))

(defcustom assistd-assistant
  '(:model "qwen-max" :name "Emacs" :instructions "You are a helpful assistant.")
  "The assistant to chat with.
Either the id of an existing assistant (a string), or a plist of
`assistants/create' params used to create one per assistd process."
  :type '(choice (string :tag "Assistant id")
                 (plist :tag "assistants/create params")))

(defcustom assistd-initialization-options nil
  "A plist sent as `initializationOptions' (settings of the dashscope backend)."
  :type '(plist))

(defcustom assistd-events-buffer-size 0
  "Characters kept in the JSON-RPC events buffer: 0 keeps none, nil all."
  :type '(choice (const :tag "Unlimited" nil) integer))

(defface assistd-user-face '((t :inherit font-lock-keyword-face :weight bold))
  "Face of the \"You:\" label.")

(defface assistd-assistant-face '((t :inherit font-lock-function-name-face :weight bold))
  "Face of the \"Assistant:\" label.")

(defface assistd-note-face '((t :inherit font-lock-comment-face))
  "Face of tool calls and run endings shown in the chat.")

(defface assistd-error-face '((t :inherit error))
  "Face of errors shown in the chat.")

;;;; Tools

(defmacro assistd--in (buffer &rest body)
  "Run BODY in BUFFER when it is still live."
  (declare (indent 1) (debug t))
  `(when (buffer-live-p ,buffer) (with-current-buffer ,buffer ,@body)))

(defvar assistd-tools nil
  "Tools offered to every run: plists (:name :function :description :parameters).
Add them with `assistd-define-tool'.")

(defun assistd-define-tool (name function description parameters)
  "Offer FUNCTION to the model as the function tool NAME (a string).
DESCRIPTION tells the model what it does; PARAMETERS is the JSON Schema
of its arguments, as a plist.  FUNCTION is applied to the arguments as a
plist of keywords, so a `cl-defun' with `&key' fits.  Its value becomes
the tool output: a string as it is, anything else encoded as JSON."
  (setq assistd-tools (cl-remove name assistd-tools
                                 :key (lambda (tool) (plist-get tool :name))
                                 :test #'equal))
  (push (list :name name :function function :description description
              :parameters parameters)
        assistd-tools)
  name)

(defun assistd--tool-definitions ()
  "The `tools' param of a run: every tool of `assistd-tools'."
  (vconcat (mapcar (lambda (tool)
                     (list :type "function"
                           :function (list :name (plist-get tool :name)
                                           :description (plist-get tool :description)
                                           :parameters (plist-get tool :parameters))))
                   (reverse assistd-tools))))

(defun assistd--call-tool (params)
  "Answer a `tools/call' request with PARAMS: run the tool, return (:output TEXT)."
  (let* ((call (plist-get params :tool_call))
         (function (plist-get call :function))
         (name (plist-get function :name))
         (tool (cl-find name assistd-tools
                        :key (lambda (tool) (plist-get tool :name)) :test #'equal)))
    (unless tool
      (jsonrpc-error :code -32601 :message (format "No Emacs tool named %s" name)))
    (let* ((arguments (assistd--parse-arguments (plist-get function :arguments)))
           (value (condition-case err
                      (apply (plist-get tool :function) arguments)
                    (error (jsonrpc-error :code -32603
                                          :message (format "%s failed: %s" name
                                                           (error-message-string err))))))
           (output (assistd--output-text value)))
      (assistd--note-tool-call (plist-get params :request) name
                               (plist-get function :arguments) output)
      (list :output output))))

(defun assistd--parse-arguments (text)
  "The tool-call arguments TEXT (a JSON object) as a plist."
  (if (or (null text) (string-empty-p text))
      nil
    (condition-case err
        (json-parse-string text :object-type 'plist :null-object nil
                           :false-object :json-false :array-type 'list)
      (json-parse-error
       (jsonrpc-error :code -32602
                      :message (format "Tool arguments are not JSON: %s" (cadr err)))))))

(defun assistd--output-text (value)
  "A tool's VALUE as the output text: a string as it is, else JSON."
  (cond ((stringp value) value)
        ((numberp value) (number-to-string value))
        ((eq value t) "true")
        ((memq value '(nil :json-false)) (if value "false" "null"))
        (t (json-serialize value :null-object nil :false-object :json-false))))

;;;; The connection

(defclass assistd-connection (jsonrpc-process-connection)
  ((last-request-id
    :initform nil :accessor assistd--last-request-id
    :documentation "The id of the last request sent, for `$/cancelRequest'.")
   (ready
    :initform nil :accessor assistd--ready
    :documentation "Non-nil once `initialize' has been answered.")
   (waiting
    :initform nil :accessor assistd--waiting
    :documentation "(ON-READY . ON-ERROR) pairs queued until `initialize' is answered.")
   (process
    :initform nil :accessor assistd-process
    :documentation "The assistd process.")
   (assistant-id
    :initform nil :accessor assistd--assistant-id
    :documentation "The assistant created for `assistd-assistant' on this process."))
  :documentation "A connection to one assistd process.")

(cl-defmethod jsonrpc-connection-send :before ((conn assistd-connection) &key id method &allow-other-keys)
  ;; `jsonrpc-async-request' does not return the id it used (Emacs 28),
  ;; but a stream can only be cancelled by its id.
  (when (and id method)
    (setf (assistd--last-request-id conn) id)))

(defvar assistd--connection nil
  "The connection to the running assistd process, or nil.")

(defvar assistd--streams (make-hash-table)
  "Request id of an open stream -> the chat buffer it feeds.")

(defun assistd--command ()
  "The command line that starts assistd."
  (append (list assistd-program "--stdio" "--framing" "lsp")
          (and assistd-backend (list "--backend" assistd-backend))
          assistd-program-args))

(defun assistd--connection ()
  "The live connection, started (and being initialized) if need be."
  (if (and assistd--connection (jsonrpc-running-p assistd--connection))
      assistd--connection
    (setq assistd--connection (assistd--start))))

(defun assistd--start ()
  "Start assistd and send `initialize'."
  (unless (executable-find assistd-program)
    (user-error "assistd: no executable %s (customize `assistd-program')" assistd-program))
  (let* ((name "assistd")
         (process nil)
         (conn (make-instance
                'assistd-connection
                :name name
                :events-buffer-scrollback-size assistd-events-buffer-size
                :notification-dispatcher #'assistd--handle-notification
                :request-dispatcher #'assistd--handle-request
                :on-shutdown #'assistd--on-shutdown
                :process (lambda ()
                           (setq process
                                 (make-process
                            :name name :command (assistd--command)
                            :connection-type 'pipe :coding 'utf-8-emacs-unix
                            :noquery t
                            ;; jsonrpc.el picks up the stderr buffer by this name.
                            :stderr (get-buffer-create (format "*%s stderr*" name))))))))
    (setf (assistd-process conn) process)
    (jsonrpc-async-request
     conn 'initialize
     (append (list :processId (emacs-pid)
                   :clientInfo (list :name "assistd.el" :version "0.1.0")
                   :capabilities (list :tools (list :call t)))
             (and assistd-initialization-options
                  (list :initializationOptions assistd-initialization-options)))
     :timeout nil
     :success-fn (lambda (_result)
                   (jsonrpc-notify conn 'initialized (make-hash-table))
                   (setf (assistd--ready conn) t)
                   (assistd--flush-waiting conn nil))
     :error-fn (lambda (error) (assistd--flush-waiting conn error)))
    conn))

(defun assistd--flush-waiting (conn error)
  "Run CONN's queued continuations: their ON-ERROR with ERROR when non-nil."
  (let ((waiting (reverse (assistd--waiting conn))))
    (setf (assistd--waiting conn) nil)
    (dolist (pair waiting)
      (if error (funcall (cdr pair) error) (funcall (car pair))))))

(defun assistd--when-ready (on-ready on-error)
  "Call ON-READY once assistd is initialized, or ON-ERROR with the error."
  (let ((conn (assistd--connection)))
    (if (assistd--ready conn)
        (funcall on-ready)
      (push (cons on-ready on-error) (assistd--waiting conn)))))

(defun assistd--request (method params on-success on-error &optional on-sent)
  "Send METHOD with PARAMS once ready; ON-SUCCESS or ON-ERROR gets the answer.
ON-SENT, if given, is called with the request's id as soon as it is sent.
No timeout: a streamed run is answered when the run ends."
  (assistd--when-ready
   (lambda ()
     (let ((conn (assistd--connection)))
       (jsonrpc-async-request conn method params
                              :timeout nil :success-fn on-success :error-fn on-error)
       (when on-sent
         (funcall on-sent (assistd--last-request-id conn)))))
   on-error))

(defun assistd--on-shutdown (conn)
  "Forget CONN, whose process has ended."
  (when (eq conn assistd--connection)
    (setq assistd--connection nil))
  (clrhash assistd--streams))

(defun assistd--handle-notification (_conn method params)
  "Handle the notification METHOD with PARAMS from assistd."
  (when (eq method 'runs/event)
    (let ((buffer (gethash (plist-get params :request) assistd--streams)))
      (when (buffer-live-p buffer)
        (with-current-buffer buffer
          (assistd--on-event (plist-get params :event) (plist-get params :data)))))))

(defun assistd--handle-request (_conn method params)
  "Answer the request METHOD with PARAMS from assistd."
  (pcase method
    ('tools/call (assistd--call-tool params))
    (_ (jsonrpc-error :code -32601 :message (format "Emacs does not serve %s" method)))))

(defun assistd-shutdown ()
  "Stop the assistd process: `shutdown', then `exit'."
  (interactive)
  (let ((conn assistd--connection))
    (when (and conn (jsonrpc-running-p conn))
      (jsonrpc-async-request conn 'shutdown nil
                             :timeout 10
                             :success-fn (lambda (_) (jsonrpc-notify conn 'exit nil))
                             :error-fn (lambda (_) (jsonrpc-notify conn 'exit nil))
                             :timeout-fn (lambda () (jsonrpc-shutdown conn))))))

;;;; Threads and the assistant

(defvar assistd--threads nil
  "Threads used in this Emacs: (THREAD-ID . TITLE), most recent first.
assistd has no `threads/list' yet, so the list is kept here.")

(defun assistd--remember-thread (thread-id &optional title)
  "Put THREAD-ID first in `assistd--threads', keeping a known TITLE."
  (let ((known (cdr (assoc thread-id assistd--threads))))
    (setq assistd--threads
          (cons (cons thread-id (or known title ""))
                (cl-remove thread-id assistd--threads :key #'car :test #'equal)))))

(defun assistd--with-assistant (on-id on-error)
  "Call ON-ID with the id of the assistant to use, creating it if need be."
  (if (stringp assistd-assistant)
      (funcall on-id assistd-assistant)
    (assistd--when-ready
     (lambda ()
       (let ((conn (assistd--connection)))
         (if (assistd--assistant-id conn)
             (funcall on-id (assistd--assistant-id conn))
           (assistd--request 'assistants/create assistd-assistant
                             (lambda (assistant)
                               (setf (assistd--assistant-id conn) (plist-get assistant :id))
                               (funcall on-id (plist-get assistant :id)))
                             on-error))))
     on-error)))

;;;; The chat buffer

(defvar-local assistd--thread-id nil "The thread this chat buffer shows.")
(defvar-local assistd--request-id nil "The id of the open stream's request.")
(defvar-local assistd--run-id nil "The run of the current turn.")
(defvar-local assistd--busy nil "Non-nil while a turn is under way.")
(defvar-local assistd--cancelling nil "Non-nil while the turn's run is being cancelled.")
(defvar-local assistd--input-start nil "Marker: where the user's input begins.")
(defvar-local assistd--reply-end nil "Marker: where the reply's text goes.")

(defvar assistd-chat-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-c") #'assistd-chat-send)
    (define-key map (kbd "C-c RET") #'assistd-chat-send)
    (define-key map (kbd "C-c C-k") #'assistd-cancel)
    (define-key map (kbd "C-c C-t") #'assistd-switch-thread)
    map)
  "Keys of `assistd-chat-mode'.")

(define-derived-mode assistd-chat-mode text-mode "assistd"
  "Chat with an assistant through assistd.
Type after the last \"You:\" and send with \\[assistd-chat-send]; the reply
streams in.  \\[assistd-cancel] stops it, \\[assistd-switch-thread] changes thread.

\\{assistd-chat-mode-map}"
  (setq-local header-line-format '(:eval (assistd--header-line)))
  (setq assistd--input-start (copy-marker (point-max)))
  (setq assistd--reply-end (copy-marker (point-max) t)))

(defun assistd--header-line ()
  "The chat buffer's header line."
  (format " assistd  thread: %s%s" (or assistd--thread-id "(new)")
          (cond (assistd--cancelling "  [cancelling]")
                (assistd--busy "  [replying]")
                (t ""))))

(defun assistd--insert (text &optional face)
  "Insert TEXT (in FACE) read-only at the reply's end, before the input."
  (let ((inhibit-read-only t))
    (save-excursion
      (goto-char assistd--reply-end)
      (insert (propertize text 'read-only t 'rear-nonsticky t
                          'font-lock-face face 'face face)))
    (when (> assistd--reply-end assistd--input-start)
      (set-marker assistd--input-start assistd--reply-end))))

(defun assistd--insert-prompt ()
  "Start a new input after the transcript."
  (let ((inhibit-read-only t))
    (goto-char (point-max))
    (set-marker assistd--reply-end (point-max))
    (assistd--insert (concat (if (bobp) "" "\n") "You: ") 'assistd-user-face)
    (set-marker assistd--input-start (point-max))
    (goto-char (point-max))))

;;;###autoload
(defun assistd-chat ()
  "Show the assistd chat buffer, starting assistd if need be."
  (interactive)
  (let ((buffer (get-buffer-create "*assistd*")))
    (with-current-buffer buffer
      (unless (derived-mode-p 'assistd-chat-mode)
        (assistd-chat-mode)
        (assistd--insert-prompt)))
    (assistd--connection)
    (pop-to-buffer buffer)
    buffer))

(defun assistd-chat-send ()
  "Send the input after the last \"You:\" and stream the reply."
  (interactive)
  (when assistd--busy
    (user-error "assistd: a reply is still under way (%s cancels it)"
                (substitute-command-keys "\\[assistd-cancel]")))
  (let ((text (string-trim (buffer-substring-no-properties assistd--input-start (point-max)))))
    (when (string-empty-p text)
      (user-error "assistd: nothing to send"))
    (assistd--connection) ; fails here, before the turn starts, when assistd cannot start
    (let ((inhibit-read-only t))
      (delete-region assistd--input-start (point-max))
      (set-marker assistd--reply-end (point-max))
      (assistd--insert (concat text "\n"))
      (assistd--insert "Assistant: " 'assistd-assistant-face))
    (setq assistd--busy t assistd--run-id nil assistd--request-id nil)
    (assistd--start-turn (current-buffer) text)))

(defun assistd--start-turn (buffer text)
  "Run the assistant on BUFFER's thread with the user's TEXT, streaming."
  (let ((fail (lambda (error) (assistd--in buffer (assistd--turn-failed error)))))
    (assistd--with-thread
     buffer
     (lambda (thread-id)
       (assistd--remember-thread thread-id (truncate-string-to-width text 40 nil nil "…"))
       (assistd--with-assistant
        (lambda (assistant-id)
          (assistd--request
           'runs/create
           (append (list :thread_id thread-id :assistant_id assistant-id :stream t
                         :additional_messages (vector (list :role "user" :content text)))
                   (and assistd-tools
                        (list :tools (assistd--tool-definitions) :handle_tools t)))
           (lambda (run) (assistd--in buffer (assistd--turn-answered run)))
           fail
           (lambda (id)
             (puthash id buffer assistd--streams)
             (assistd--in buffer (setq assistd--request-id id)))))
        fail))
     fail)))

(defun assistd--with-thread (buffer on-id on-error)
  "Call ON-ID with BUFFER's thread id, creating a thread if it has none."
  (let ((thread-id (buffer-local-value 'assistd--thread-id buffer)))
    (if thread-id
        (funcall on-id thread-id)
      (assistd--request 'threads/create (make-hash-table)
                        (lambda (thread)
                          (let ((id (plist-get thread :id)))
                            (assistd--in buffer (setq assistd--thread-id id))
                            (funcall on-id id)))
                        on-error))))

(defun assistd--on-event (event data)
  "Show the stream's EVENT with DATA in the current chat buffer."
  (pcase event
    ("thread.run.created" (setq assistd--run-id (plist-get data :id)))
    ("thread.message.delta" (assistd--insert (assistd--delta-text data)))))

(defun assistd--delta-text (delta)
  "The text of a `thread.message.delta' object DELTA."
  (mapconcat (lambda (part) (or (plist-get (plist-get part :text) :value) ""))
             (plist-get (plist-get delta :delta) :content) ""))

(defun assistd--note-tool-call (request name arguments output)
  "Show in the chat fed by REQUEST that tool NAME got ARGUMENTS and gave OUTPUT."
  (let ((buffer (gethash request assistd--streams)))
    (assistd--in buffer
      (assistd--insert (format "[tool %s %s → %s]\n" name (or arguments "") output)
                       'assistd-note-face))))

(defun assistd--turn-answered (run)
  "The stream ended with RUN: show how it ended."
  (let ((last-error (plist-get run :last_error))
        (status (plist-get run :status)))
    (cond
     (last-error
      (assistd--insert (format "\n[run %s: %s: %s]" status (plist-get last-error :code)
                               (plist-get last-error :message))
                       'assistd-error-face))
     ((equal status "incomplete")
      (assistd--insert (format "\n[incomplete: %s]"
                               (plist-get (plist-get run :incomplete_details) :reason))
                       'assistd-note-face))
     ((member status '("cancelled" "cancelling" "expired" "requires_action"))
      (assistd--insert (format "\n[%s]" status) 'assistd-note-face)))
    (assistd--stream-ended)))

(defun assistd--turn-failed (error)
  "The turn's request failed with the JSON-RPC ERROR: show it."
  (let ((code (plist-get error :code))
        (message (plist-get error :message)))
    (if (eql code -32800)
        (assistd--insert "\n[cancelled]" 'assistd-note-face)
      (assistd--insert (format "\n[error %s: %s]" code message) 'assistd-error-face)
      (message "assistd: %s (%s)" message code))
    (assistd--stream-ended)))

(defun assistd--stream-ended ()
  "The stream has its answer: end the turn unless its run is being cancelled."
  (when assistd--request-id
    (remhash assistd--request-id assistd--streams))
  (setq assistd--request-id nil)
  (assistd--maybe-end-turn))

(defun assistd--maybe-end-turn ()
  "Offer a new input once the stream has ended and no cancel is pending."
  (when (and assistd--busy (not assistd--cancelling) (not assistd--request-id))
    (setq assistd--busy nil)
    (assistd--insert "\n")
    (assistd--insert-prompt)))

(defun assistd-cancel ()
  "Stop the reply under way: cancel its stream and its run."
  (interactive)
  (unless assistd--busy
    (user-error "assistd: no reply under way"))
  (let ((buffer (current-buffer))
        (conn assistd--connection)
        (run-id assistd--run-id))
    (when (and conn assistd--request-id)
      (jsonrpc-notify conn '$/cancelRequest (list :id assistd--request-id)))
    ;; `$/cancelRequest' ends the stream only; the run would go on and keep
    ;; the thread busy, so cancel it too and wait until it has stopped.
    (when (and conn run-id)
      (setq assistd--cancelling t)
      (let ((done (lambda (&rest _)
                    (assistd--in buffer
                      (setq assistd--cancelling nil)
                      (assistd--maybe-end-turn)))))
        (assistd--request 'runs/cancel (list :thread_id assistd--thread-id :run_id run-id)
                          (lambda (run)
                            (if (member (plist-get run :status) '("cancelling" "in_progress" "queued"))
                                (assistd--request 'runs/wait
                                                  (list :thread_id (plist-get run :thread_id)
                                                        :run_id run-id :timeout_ms 10000)
                                                  done done)
                              (funcall done)))
                          (lambda (error)
                            (assistd--in buffer
                              (assistd--insert (format "\n[error %s: %s]" (plist-get error :code)
                                                       (plist-get error :message))
                                               'assistd-error-face))
                            (funcall done)))))))

;;;###autoload
(defun assistd-send-region (start end &optional instruction)
  "Send the text from START to END to the chat, after INSTRUCTION if given.
Interactively, a prefix argument asks for the instruction."
  (interactive (list (region-beginning) (region-end)
                     (and current-prefix-arg (read-string "Instruction: "))))
  (let ((text (buffer-substring-no-properties start end))
        (buffer (assistd-chat)))
    (with-current-buffer buffer
      (goto-char (point-max))
      (insert (if (and instruction (not (string-empty-p instruction)))
                  (concat instruction "\n\n" text)
                text))
      (assistd-chat-send))))

;;;###autoload
(defun assistd-switch-thread (thread-id)
  "Show THREAD-ID in this chat buffer; an empty THREAD-ID starts a new thread.
Interactively, choose among the threads used in this Emacs."
  (interactive
   (list (let* ((choices (mapcar (lambda (entry)
                                   (cons (format "%s  %s" (car entry) (cdr entry)) (car entry)))
                                 assistd--threads))
                (choice (completing-read "Thread (empty: new): " choices)))
           (or (cdr (assoc choice choices)) choice))))
  (unless (derived-mode-p 'assistd-chat-mode)
    (set-buffer (assistd-chat)))
  (when assistd--busy
    (user-error "assistd: a reply is still under way"))
  (let ((inhibit-read-only t))
    (erase-buffer))
  (setq assistd--thread-id (if (string-empty-p thread-id) nil thread-id))
  (if (null assistd--thread-id)
      (assistd--insert-prompt)
    (assistd--remember-thread thread-id)
    (setq assistd--busy t)
    (let ((buffer (current-buffer)))
      (assistd--request 'messages/list (list :thread_id thread-id :order "asc" :limit 100)
                        (lambda (list) (assistd--in buffer
                                         (assistd--show-messages (plist-get list :data))
                                         (setq assistd--busy nil)
                                         (assistd--insert-prompt)))
                        (lambda (error) (assistd--in buffer (assistd--turn-failed error)))))))

(defun assistd--show-messages (messages)
  "Insert the thread's MESSAGES (a vector) as the transcript."
  (goto-char (point-max))
  (set-marker assistd--reply-end (point-max))
  (seq-doseq (message messages)
    (let ((user (equal (plist-get message :role) "user")))
      (assistd--insert (if user "You: " "Assistant: ")
                       (if user 'assistd-user-face 'assistd-assistant-face))
      (assistd--insert (concat (mapconcat (lambda (part)
                                            (or (plist-get (plist-get part :text) :value) ""))
                                          (plist-get message :content) "")
                               "\n")))))

(provide 'assistd)
;;; assistd.el ends here
