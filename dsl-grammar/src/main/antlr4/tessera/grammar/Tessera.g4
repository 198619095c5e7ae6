// The Tessera kernel language (docs/language.md). No actions: AstBuilder is the only code that
// sees these parse trees. Reductions (sum, max, ...), softmax and topk are ordinary identifiers
// here, told apart by AstBuilder, so that `max(a, b)` and `max[j](e)` both parse.
grammar Tessera;
// The package comes from the directory (antlr4-maven-plugin).


file        : item* EOF ;
item        : importDecl | defDecl | kernelDecl ;

importDecl  : 'import' STRING ';' ;
defDecl     : 'def' name=ID '(' (ID (',' ID)*)? ')' '=' expr ';' ;

kernelDecl  : 'kernel' name=ID '(' (param (',' param)*)? ','? ')'
              ('->' '(' output (',' output)* ','? ')')?
              ('where' expr (',' expr)*)?
              '{' bodyItem* '}' ;
param       : name=ID ':' type=ID shape? ('=' expr)? ;
output      : name=ID ':' type=ID shape? ;
shape       : '[' (dim (',' dim)*)? ']' ;
dim         : ID | INT ;

bodyItem    : 'let' name=ID '=' expr ';'                                # letStmt
            | defDecl                                                   # localDef
            | target=ID '[' (expr (',' expr)*)? ']' '=' expr ('if' cond=expr)? ';'  # assignStmt
            | 'schedule' target=ID? '{' directive* '}'                 # scheduleBlock
            ;
directive   : name=ID directiveArgs (',' directiveArgs)* ';' ;
directiveArgs : directiveArg+ ;
directiveArg  : ID | INT ;

expr        : cond=orExpr ('?' a=expr ':' b=expr)? ;
orExpr      : andExpr ('||' andExpr)* ;
andExpr     : cmpExpr ('&&' cmpExpr)* ;
cmpExpr     : addExpr (op=('<' | '<=' | '>' | '>=' | '==' | '!=') addExpr)? ;
addExpr     : mulExpr (ops+=('+' | '-') mulExpr)* ;
mulExpr     : unary (ops+=('*' | '/' | '%') unary)* ;
unary       : op=('-' | '!') unary | primary ;
primary     : INT                                                       # intLit
            | FLOAT                                                     # floatLit
            | 'inf'                                                     # infLit
            | ('true' | 'false')                                        # boolLit
            | '(' expr ')'                                              # parens
            | name=ID '[' (expr (',' expr)*)? ('|' filter=expr)? ']' '(' body=expr ')'  # bracketCall
            | name=ID '[' (expr (',' expr)*)? ']'                        # read
            | name=ID '(' (expr (',' expr)*)? ')'                        # call
            | name=ID                                                   # name
            ;

STRING      : '"' (~["\\\r\n] | '\\' .)* '"' ;
FLOAT       : [0-9]+ '.' [0-9]* EXP? | '.' [0-9]+ EXP? | [0-9]+ EXP ;
fragment EXP: [eE] [+-]? [0-9]+ ;
INT         : [0-9]+ ;
ID          : [A-Za-z_] [A-Za-z0-9_]* ;
LINE_COMMENT: '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT: '/*' .*? '*/' -> channel(HIDDEN) ;
WS          : [ \t\r\n]+ -> channel(HIDDEN) ;
// Any other character becomes a token the parser rejects with a located error.
ERROR_CHAR  : . ;
