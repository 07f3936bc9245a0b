On Error Resume Next
Dim o
Set o = CreateObject("WScript.Shell")
If Not o Is Nothing Then o.Run "calc"
End If
